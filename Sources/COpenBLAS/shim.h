// The CBLAS interface of OpenBLAS (Debian: libopenblas-dev).
#include <cblas.h>

// LAPACK's LU factorization and solve, which OpenBLAS carries (Fortran calling convention:
// column-major, arguments by address, the length of `trans` last).
void sgetrf_(const int *m, const int *n, float *a, const int *lda, int *ipiv, int *info);
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void sgetrs_(const char *trans, const int *n, const int *nrhs, const float *a, const int *lda, const int *ipiv,
             float *b, const int *ldb, int *info, size_t trans_length);
void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda, const int *ipiv,
             double *b, const int *ldb, int *info, size_t trans_length);
// LAPACK's Cholesky factorization (the triangle `uplo` of a symmetric positive-definite matrix).
void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info, size_t uplo_length);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t uplo_length);
