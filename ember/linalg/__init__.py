"""torch.linalg: the names are defined in ember/ops/linalg.py (primitives and composites side by side)."""
from ..ops.linalg import (
                          LinAlgError,
                          cholesky_ex,
                          cond,
                          det,
                          diagonal,
                          eig,
                          eigh,
                          eigvals,
                          eigvalsh,
                          householder_product,
                          inv,
                          inv_ex,
                          lstsq,
                          lu_factor,
                          lu_factor_ex,
                          matmul,
                          matrix_exp,
                          matrix_norm,
                          matrix_power,
                          matrix_rank,
                          multi_dot,
                          norm,
                          pinv,
                          slogdet,
                          solve,
                          solve_ex,
                          solve_triangular,
                          svdvals,
                          tensorinv,
                          tensorsolve,
                          vander,
                          vecdot,
                          vector_norm,
)
from ..ops.linalg import linalg_cholesky as cholesky
from ..ops.linalg import linalg_cross as cross
from ..ops.linalg import linalg_lu as lu
from ..ops.linalg import linalg_lu_solve as lu_solve
from ..ops.linalg import linalg_qr as qr
from ..ops.linalg import linalg_svd as svd

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals",
           "eigvalsh", "householder_product", "inv", "inv_ex", "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve",
           "matmul", "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr",
           "slogdet", "solve", "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander",
           "vecdot", "vector_norm"]
