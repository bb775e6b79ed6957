"""The `ember` command.

    ember run script.py [args...]     run a PyTorch program on ember (see ember.run)
    ember run -m module [args...]
    ember env                         print the environment report (python -m ember.utils.collect_env)
    ember --version
"""
import sys

USAGE = __doc__.split("\n\n", 1)[1].rstrip() + "\n"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    command = argv[0] if argv else None
    if command == "run":
        from .run import run
        run(argv[1:])
    elif command in ("env", "collect-env", "collect_env"):
        from .utils.collect_env import main as collect_env
        collect_env()
    elif command in ("--version", "version"):
        from .version import __version__
        print(f"ember {__version__}")
    elif command in ("-h", "--help", "help"):
        print("usage:\n" + USAGE, end="")
    else:
        print("usage:\n" + USAGE, end="", file=sys.stderr)
        if command is not None:
            print(f"ember: unknown command {command!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
