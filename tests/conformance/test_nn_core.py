"""Module conformance for the core layers (Linear, Conv*, Flatten, ...) against PyTorch twins."""
from .moduleinfo import C, ModuleInfo, make_module_tests, rand

ROWS = [
    ModuleInfo("Linear", [C(3, 4), C(3, 4, bias=False)], inputs=lambda rng, v: [rand(rng, 5, 3)]),
    ModuleInfo("Linear", [C(3, 2)], inputs=lambda rng, v: [rand(rng, 2, 4, 3)]),
    ModuleInfo("Linear", [C(3, 2)], inputs=lambda rng, v: [rand(rng, 3)]),
    ModuleInfo("Bilinear", [C(3, 4, 2)], inputs=lambda rng, v: [rand(rng, 5, 3), rand(rng, 5, 4)]),
    ModuleInfo("Identity", [C(), C(3, foo=1)], inputs=lambda rng, v: [rand(rng, 2, 3)]),
    ModuleInfo("Flatten", [C(), C(0, -2)], inputs=lambda rng, v: [rand(rng, 2, 3, 4)]),
    ModuleInfo("Unflatten", [C(1, (2, 3))], inputs=lambda rng, v: [rand(rng, 4, 6)]),
    ModuleInfo("Conv1d", [C(2, 4, 3), C(2, 4, 3, stride=2, padding=1, bias=False), C(2, 4, 3, padding="same"),
                          C(4, 4, 3, groups=2, dilation=2, padding_mode="circular", padding=2)],
               inputs=lambda rng, v: [rand(rng, 2, v.args[0], 11)]),
    ModuleInfo("Conv2d", [C(3, 4, 3), C(3, 6, (3, 2), stride=(2, 1), padding=(1, 0)), C(3, 3, 3, groups=3),
                          C(3, 4, 3, padding=1, padding_mode="reflect"), C(3, 4, 3, padding=1, padding_mode="replicate"),
                          C(3, 4, 4, padding="same", dilation=2)],
               inputs=lambda rng, v: [rand(rng, 2, 3, 9, 8)]),
    ModuleInfo("Conv2d", [C(3, 4, 3)], inputs=lambda rng, v: [rand(rng, 3, 7, 7)]),  # unbatched
    ModuleInfo("Conv3d", [C(2, 3, 2), C(2, 4, (1, 2, 3), stride=2, padding=1)],
               inputs=lambda rng, v: [rand(rng, 1, 2, 5, 6, 7)]),
    ModuleInfo("ConvTranspose1d", [C(3, 2, 3), C(4, 2, 3, stride=2, output_padding=1, groups=2)],
               inputs=lambda rng, v: [rand(rng, 2, v.args[0], 6)]),
    ModuleInfo("ConvTranspose2d", [C(3, 2, 3), C(4, 6, (3, 2), stride=2, padding=1, output_padding=1, groups=2,
                                                  dilation=1, bias=False)],
               inputs=lambda rng, v: [rand(rng, 2, v.args[0], 5, 4)]),
    ModuleInfo("ConvTranspose3d", [C(2, 3, 2, stride=2)], inputs=lambda rng, v: [rand(rng, 1, 2, 3, 3, 3)]),
]

globals().update(make_module_tests(ROWS))
