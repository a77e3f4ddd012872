// Open MPI through dlopen. The few declarations needed are Open MPI's ABI (its mpi.h, stable across
// Open MPI 4 and 5 and libmpi.so.40): handles are pointers, predefined communicators, datatypes,
// operations and error handlers are the addresses of exported objects (ompi_mpi_comm_world, ...),
// MPI_IN_PLACE is (void *)1, MPI_STATUS_IGNORE is NULL, thread levels count from SINGLE = 0.
#define _GNU_SOURCE   // RTLD_DEFAULT
#include "gentrain_mpi.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void *MPI_Comm, *MPI_Datatype, *MPI_Op, *MPI_Errhandler;
enum { MPI_SUCCESS = 0, MPI_THREAD_SERIALIZED = 2, MPI_MAX_ERROR_STRING = 256 };
#define MPI_IN_PLACE ((void *)1)

#define GT_MPI_FUNCTIONS(X)                                                                     \
    X(int, MPI_Initialized, (int *))                                                            \
    X(int, MPI_Finalized, (int *))                                                              \
    X(int, MPI_Init_thread, (int *, char ***, int, int *))                                      \
    X(int, MPI_Query_thread, (int *))                                                           \
    X(int, MPI_Finalize, (void))                                                                \
    X(int, MPI_Comm_dup, (MPI_Comm, MPI_Comm *))                                                \
    X(int, MPI_Comm_set_errhandler, (MPI_Comm, MPI_Errhandler))                                 \
    X(int, MPI_Comm_rank, (MPI_Comm, int *))                                                    \
    X(int, MPI_Comm_size, (MPI_Comm, int *))                                                    \
    X(int, MPI_Allreduce, (const void *, void *, int, MPI_Datatype, MPI_Op, MPI_Comm))          \
    X(int, MPI_Bcast, (void *, int, MPI_Datatype, int, MPI_Comm))                               \
    X(int, MPI_Allgather, (const void *, int, MPI_Datatype, void *, int, MPI_Datatype, MPI_Comm)) \
    X(int, MPI_Barrier, (MPI_Comm))                                                             \
    X(int, MPI_Abort, (MPI_Comm, int))                                                          \
    X(int, MPI_Error_string, (int, char *, int *))

#define GT_MPI_OBJECTS(X)                                                                       \
    X(ompi_mpi_comm_world) X(ompi_mpi_float) X(ompi_mpi_double) X(ompi_mpi_long_long_int)       \
    X(ompi_mpi_byte) X(ompi_mpi_op_sum) X(ompi_mpi_op_max) X(ompi_mpi_errors_return)

static struct {
#define GT_FUNCTION_FIELD(ret, name, args) ret(*name) args;
    GT_MPI_FUNCTIONS(GT_FUNCTION_FIELD)
#undef GT_FUNCTION_FIELD
#define GT_OBJECT_FIELD(name) void *name;
    GT_MPI_OBJECTS(GT_OBJECT_FIELD)
#undef GT_OBJECT_FIELD
    MPI_Comm comm;            // the engine's communicator
    int rank, size, we_initialized;
    char load_error[512];
} mpi;

static pthread_once_t mpi_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t mpi_lock = PTHREAD_MUTEX_INITIALIZER;   // calls are serialized

static void set_error(char *error, size_t size, const char *format, ...) {
    if (!error || size == 0) return;
    va_list args;
    va_start(args, format);
    vsnprintf(error, size, format, args);
    va_end(args);
}

// Finalizes MPI at exit when the engine initialized it (Open MPI fails the job of a process that
// exits without MPI_Finalize).
static void mpi_finalize_at_exit(void) {
    int finalized = 0;
    mpi.MPI_Finalized(&finalized);
    if (!finalized) mpi.MPI_Finalize();
}

static void mpi_load(void) {
    // RTLD_GLOBAL: Open MPI's components, which it loads itself, resolve symbols of libmpi.
    // GENTRAIN_MPI_LIBRARY names another file (an Open MPI installed elsewhere).
    const char *chosen = getenv("GENTRAIN_MPI_LIBRARY");
    const char *names[] = {chosen ? chosen : "libmpi.so.40", chosen ? chosen : "libmpi.so"};
    void *handle = NULL;
    for (size_t i = 0; i < sizeof names / sizeof *names && !handle; i++) handle = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
    if (!handle) {
        snprintf(mpi.load_error, sizeof mpi.load_error,
                 "MPI is not available: %s (Open MPI) could not be loaded (%s); install Open MPI "
                 "(Debian: openmpi-bin libopenmpi3) and start the program with mpirun", names[0], dlerror());
        return;
    }
#define GT_LOAD_FUNCTION(ret, name, args)                                                        \
    if (!(*(void **)&mpi.name = dlsym(handle, #name))) {                                         \
        snprintf(mpi.load_error, sizeof mpi.load_error, "MPI: %s is missing from libmpi", #name);  \
        return;                                                                                  \
    }
    GT_MPI_FUNCTIONS(GT_LOAD_FUNCTION)
#undef GT_LOAD_FUNCTION
    // The predefined objects through the global scope first: a program linked with libmpi may
    // hold copies of them (copy relocations), which are then the ones MPI initializes and uses.
#define GT_LOAD_OBJECT(name)                                                                     \
    if (!(mpi.name = dlsym(RTLD_DEFAULT, #name)) && !(mpi.name = dlsym(handle, #name))) {        \
        snprintf(mpi.load_error, sizeof mpi.load_error,                                          \
                 "MPI: %s is missing from libmpi (the engine needs Open MPI's ABI)", #name);      \
        return;                                                                                  \
    }
    GT_MPI_OBJECTS(GT_LOAD_OBJECT)
#undef GT_LOAD_OBJECT
    int initialized = 0, finalized = 0, provided = 0;
    mpi.MPI_Finalized(&finalized);
    if (finalized) {
        snprintf(mpi.load_error, sizeof mpi.load_error, "MPI was finalized already");
        return;
    }
    mpi.MPI_Initialized(&initialized);
    if (!initialized) {
        if (mpi.MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
            snprintf(mpi.load_error, sizeof mpi.load_error, "MPI_Init_thread failed");
            return;
        }
        mpi.we_initialized = 1;
        atexit(mpi_finalize_at_exit);
    } else {
        mpi.MPI_Query_thread(&provided);
    }
    if (provided < MPI_THREAD_SERIALIZED) {
        snprintf(mpi.load_error, sizeof mpi.load_error,
                 "MPI was initialized with thread level %d; the engine needs MPI_THREAD_SERIALIZED (2) or above", provided);
        return;
    }
    if (mpi.MPI_Comm_dup(mpi.ompi_mpi_comm_world, &mpi.comm) != MPI_SUCCESS ||
        mpi.MPI_Comm_set_errhandler(mpi.comm, mpi.ompi_mpi_errors_return) != MPI_SUCCESS ||
        mpi.MPI_Comm_rank(mpi.comm, &mpi.rank) != MPI_SUCCESS || mpi.MPI_Comm_size(mpi.comm, &mpi.size) != MPI_SUCCESS) {
        snprintf(mpi.load_error, sizeof mpi.load_error, "MPI: could not set up the engine's communicator");
        mpi.comm = NULL;
    }
}

// The message of an MPI error code, as `what: message`.
static int mpi_failed(int code, const char *what, char *error, size_t size) {
    char text[MPI_MAX_ERROR_STRING] = "unknown error";
    int length = 0;
    mpi.MPI_Error_string(code, text, &length);
    set_error(error, size, "%s failed on rank %d: %s", what, mpi.rank, text);
    return code == MPI_SUCCESS ? 1 : code;
}

int gt_mpi_init(int *rank, int *size, char *error, size_t error_size) {
    pthread_once(&mpi_once, mpi_load);
    if (!mpi.comm) {
        set_error(error, error_size, "%s", mpi.load_error);
        return 1;
    }
    *rank = mpi.rank;
    *size = mpi.size;
    return 0;
}

// MPI counts are ints: larger buffers go in pieces.
enum { CHUNK = INT_MAX / 16 };

int gt_mpi_allreduce(void *buffer, size_t count, int type, int op, char *error, size_t error_size) {
    MPI_Datatype t = type == 0 ? mpi.ompi_mpi_float : type == 1 ? mpi.ompi_mpi_double : mpi.ompi_mpi_long_long_int;
    size_t item = type == 0 ? 4 : 8;
    MPI_Op o = op == 0 ? mpi.ompi_mpi_op_sum : mpi.ompi_mpi_op_max;
    int code = MPI_SUCCESS;
    pthread_mutex_lock(&mpi_lock);
    for (size_t done = 0; done < count && code == MPI_SUCCESS; done += CHUNK) {
        size_t n = count - done < CHUNK ? count - done : CHUNK;
        code = mpi.MPI_Allreduce(MPI_IN_PLACE, (char *)buffer + done * item, (int)n, t, o, mpi.comm);
    }
    pthread_mutex_unlock(&mpi_lock);
    return code == MPI_SUCCESS ? 0 : mpi_failed(code, "MPI_Allreduce", error, error_size);
}

int gt_mpi_bcast(void *buffer, size_t bytes, int root, char *error, size_t error_size) {
    int code = MPI_SUCCESS;
    pthread_mutex_lock(&mpi_lock);
    for (size_t done = 0; done < bytes && code == MPI_SUCCESS; done += CHUNK) {
        size_t n = bytes - done < CHUNK ? bytes - done : CHUNK;
        code = mpi.MPI_Bcast((char *)buffer + done, (int)n, mpi.ompi_mpi_byte, root, mpi.comm);
    }
    pthread_mutex_unlock(&mpi_lock);
    return code == MPI_SUCCESS ? 0 : mpi_failed(code, "MPI_Bcast", error, error_size);
}

int gt_mpi_allgather(const void *input, void *output, size_t bytes, char *error, size_t error_size) {
    if (bytes > INT_MAX) {
        set_error(error, error_size, "all_gather: %zu bytes per rank is more than MPI counts (%d)", bytes, INT_MAX);
        return 1;
    }
    pthread_mutex_lock(&mpi_lock);
    int code = mpi.MPI_Allgather(input, (int)bytes, mpi.ompi_mpi_byte, output, (int)bytes, mpi.ompi_mpi_byte, mpi.comm);
    pthread_mutex_unlock(&mpi_lock);
    return code == MPI_SUCCESS ? 0 : mpi_failed(code, "MPI_Allgather", error, error_size);
}

int gt_mpi_barrier(char *error, size_t error_size) {
    pthread_mutex_lock(&mpi_lock);
    int code = mpi.MPI_Barrier(mpi.comm);
    pthread_mutex_unlock(&mpi_lock);
    return code == MPI_SUCCESS ? 0 : mpi_failed(code, "MPI_Barrier", error, error_size);
}

void gt_mpi_abort(void) {
    if (mpi.comm) mpi.MPI_Abort(mpi.ompi_mpi_comm_world, 1);
}
