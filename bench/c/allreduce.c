/*
 * All-reduce of one buffer across the ranks of an MPI job: gentrain's process group next to
 * Open MPI's own MPI_Allreduce on the same buffer, in the same run, alternating.
 *
 *   mpirun -np 2 bench_allreduce [megabytes] [rounds]     (default 25 MB, PyTorch's bucket size)
 * Rank 0 prints the median time of each and their ratio.
 */
#include <gentrain.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(call)                                                                   \
    do {                                                                              \
        if ((call) != GENTRAIN_OK) {                                                  \
            fprintf(stderr, "%s: %s\n", #call, gentrain_last_error());                \
            MPI_Abort(MPI_COMM_WORLD, 1);                                             \
        }                                                                             \
    } while (0)

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, n, sizeof *v, compare);
    return v[n / 2];
}

int main(int argc, char **argv) {
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
    double mb = argc > 1 ? atof(argv[1]) : 25;
    int rounds = argc > 2 ? atoi(argv[2]) : 20;
    int64_t n = (int64_t)(mb * 1048576 / sizeof(float));
    gentrain_process_group *group = NULL;
    CHECK(gentrain_process_group_new_mpi(&group));
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    gentrain_tensor *t = NULL;
    CHECK(gentrain_tensor_ones(&t, &n, 1, GENTRAIN_FLOAT32));
    const void *data = NULL;
    CHECK(gentrain_tensor_data(&data, t));
    float *buffer = malloc(n * sizeof(float));
    for (int64_t i = 0; i < n; i++) buffer[i] = 1;
    double *ours = malloc(rounds * sizeof(double)), *theirs = malloc(rounds * sizeof(double));
    for (int r = -2; r < rounds; r++) {   /* two rounds of warm-up */
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        CHECK(gentrain_process_group_all_reduce(group, t, GENTRAIN_REDUCE_SUM));
        double mid = MPI_Wtime();
        MPI_Barrier(MPI_COMM_WORLD);
        double mid2 = MPI_Wtime();
        MPI_Allreduce(MPI_IN_PLACE, buffer, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double end = MPI_Wtime();
        if (r >= 0) {
            ours[r] = mid - start;
            theirs[r] = end - mid2;
        }
    }
    double a = median(ours, rounds), b = median(theirs, rounds);
    if (rank == 0)
        printf("all_reduce %.1f MB: gentrain %.2f ms, MPI_Allreduce %.2f ms, ratio %.3f\n", mb, a * 1e3, b * 1e3, a / b);
    (void)data;
    gentrain_tensor_free(t);
    gentrain_process_group_free(group);
    free(buffer);
    free(ours);
    free(theirs);
    MPI_Finalize();
    return 0;
}
