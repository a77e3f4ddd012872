// MPI for the engine's process groups, loaded at run time (dlopen of Open MPI's libmpi), so the
// library builds and runs without MPI and uses it when a program asks for it.
#ifndef GENTRAIN_MPI_H
#define GENTRAIN_MPI_H

#include <stddef.h>

// Every function returns 0 on success; on failure, nonzero with a message in `error` (NUL-terminated,
// at most `error_size` bytes).

// Loads libmpi, initializes MPI unless the program did (thread level MPI_THREAD_SERIALIZED at least),
// and makes the engine's own communicator (a duplicate of MPI_COMM_WORLD whose errors return).
int gt_mpi_init(int *rank, int *size, char *error, size_t error_size);
// Element type 0: float32, 1: float64, 2: int64. Op 0: sum, 1: max.
int gt_mpi_allreduce(void *buffer, size_t count, int type, int op, char *error, size_t error_size);
int gt_mpi_bcast(void *buffer, size_t bytes, int root, char *error, size_t error_size);
int gt_mpi_allgather(const void *input, void *output, size_t bytes, char *error, size_t error_size);
int gt_mpi_barrier(char *error, size_t error_size);
// Ends every process of the job (MPI_Abort with exit code 1).
void gt_mpi_abort(void);

#endif
