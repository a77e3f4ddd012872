/* gentrain._native: the Python package's per-op path in C, built against CPython's stable ABI
 * (abi3, Python >= 3.9) so that one build serves every interpreter the package supports.
 *
 * It holds no engine code and links no library: the package passes it the addresses of the entry
 * points it calls (ctypes found them), once. What it saves, on every op, is the work ctypes does
 * around a call — argument conversion objects, a `gentrain_tensor *` out-parameter box, and a
 * Python `__del__` that calls `gentrain_tensor_free` through ctypes again:
 *   - `TensorBase`, the base of `gentrain.Tensor`: the handle as a C field (`_h` reads and writes
 *     it as an int, or None), freed in the type's deallocator;
 *   - `tensor_op(fn, *tensors)`: calls an entry point `int fn(gentrain_tensor **out, t1, ...)`
 *     whose arguments are one to four tensors (None for an optional one), and returns the new
 *     `gentrain.Tensor`;
 *   - `tensor_scalar_op(fn, tensor, x)`: the same for `int fn(gentrain_tensor **out, t, double x)`;
 *   - `tensor_int_op(fn, tensor, *ints)`: the same for one to four int64 arguments after the tensor
 *     (dimensions, indices: transpose, softmax, slicing).
 * A failed call raises through the package's own `raise_error(status)`, so the exceptions are the
 * ones the ctypes path raises. Like ctypes, every engine call runs with the GIL released.
 *
 * A private module, as ctypes is: `fn` must be the address of an entry point of the signature the
 * function names (the package passes only its own, from `gentrain._lib.fn`); the tensors and
 * numbers are checked here, and the handles by the library, which refuses a freed or foreign one.
 *
 * Without this module (no C compiler or Python headers at build time, or GENTRAIN_PYTHON_NATIVE=0)
 * the package does the same through ctypes (gentrain/tensor.py: `_TensorBase`, `_tensor_op`). */
#define Py_LIMITED_API 0x03090000
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include "gentrain.h"

typedef struct {
    PyObject_HEAD
    gentrain_tensor *handle;
} TensorBase;

typedef int (*tensor_op1)(gentrain_tensor **, gentrain_tensor *);
typedef int (*tensor_op2)(gentrain_tensor **, gentrain_tensor *, gentrain_tensor *);
typedef int (*tensor_op3)(gentrain_tensor **, gentrain_tensor *, gentrain_tensor *, gentrain_tensor *);
typedef int (*tensor_op4)(gentrain_tensor **, gentrain_tensor *, gentrain_tensor *, gentrain_tensor *,
                          gentrain_tensor *);
typedef int (*tensor_scalar_op_fn)(gentrain_tensor **, gentrain_tensor *, double);
typedef int (*tensor_int_op1)(gentrain_tensor **, gentrain_tensor *, int64_t);
typedef int (*tensor_int_op2)(gentrain_tensor **, gentrain_tensor *, int64_t, int64_t);
typedef int (*tensor_int_op3)(gentrain_tensor **, gentrain_tensor *, int64_t, int64_t, int64_t);
typedef int (*tensor_int_op4)(gentrain_tensor **, gentrain_tensor *, int64_t, int64_t, int64_t, int64_t);

/* Set by bind(): the engine's free function, the class of new tensors (a subclass of TensorBase)
 * and its allocator, and the package's function that raises the exception for a status. */
static void (*tensor_free)(gentrain_tensor *);
static PyTypeObject *tensor_base_type;
static PyTypeObject *tensor_type;
static allocfunc tensor_alloc;
static PyObject *raise_error;

static void release(gentrain_tensor *handle) {
    Py_BEGIN_ALLOW_THREADS
    tensor_free(handle);
    Py_END_ALLOW_THREADS
}

static void tensor_base_dealloc(PyObject *self) {
    PyTypeObject *type = Py_TYPE(self);
    gentrain_tensor *handle = ((TensorBase *)self)->handle;
    if (handle != NULL && tensor_free != NULL) {
        ((TensorBase *)self)->handle = NULL;
        release(handle);
    }
    freefunc free_object = (freefunc)PyType_GetSlot(type, Py_tp_free);
    free_object(self);
    Py_DECREF(type);
}

static PyObject *tensor_base_get_h(PyObject *self, void *closure) {
    (void)closure;
    gentrain_tensor *handle = ((TensorBase *)self)->handle;
    if (handle == NULL) Py_RETURN_NONE;
    return PyLong_FromVoidPtr(handle);
}

/* Like the attribute it replaces: assigning moves no ownership (the old handle is the assigner's). */
static int tensor_base_set_h(PyObject *self, PyObject *value, void *closure) {
    (void)closure;
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "a tensor's handle cannot be deleted (assign None)");
        return -1;
    }
    void *handle = NULL;
    if (value != Py_None) {
        handle = PyLong_AsVoidPtr(value);
        if (handle == NULL && PyErr_Occurred()) return -1;
    }
    ((TensorBase *)self)->handle = handle;
    return 0;
}

static PyGetSetDef tensor_base_getset[] = {
    {"_h", tensor_base_get_h, tensor_base_set_h, "The engine tensor handle (an int), or None.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot tensor_base_slots[] = {
    {Py_tp_dealloc, (void *)tensor_base_dealloc},
    {Py_tp_getset, tensor_base_getset},
    {Py_tp_doc, (void *)"The engine tensor handle of a gentrain.Tensor, freed with the Python object."},
    {0, NULL},
};

static PyType_Spec tensor_base_spec = {
    "gentrain._native.TensorBase", sizeof(TensorBase), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    tensor_base_slots,
};

/* The handle of a tensor argument: NULL for None; a TypeError for anything else. */
static int argument_handle(PyObject *argument, gentrain_tensor **handle) {
    if (argument == Py_None) {
        *handle = NULL;
        return 0;
    }
    if (!PyObject_TypeCheck(argument, tensor_base_type)) {
        PyObject *name = PyObject_GetAttrString((PyObject *)Py_TYPE(argument), "__name__");
        PyErr_Format(PyExc_TypeError, "expected a gentrain.Tensor, got %S", name != NULL ? name : Py_None);
        Py_XDECREF(name);
        return -1;
    }
    *handle = ((TensorBase *)argument)->handle;
    return 0;
}

static void *function_address(PyObject *fn) {
    void *address = PyLong_AsVoidPtr(fn);
    if (address == NULL && !PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "a NULL entry point");
    return address;
}

/* The new tensor for a call's result, or the call's exception. */
static PyObject *result(int status, gentrain_tensor *out) {
    if (status != 0) {
        PyObject *raised = PyObject_CallFunction(raise_error, "i", status);
        Py_XDECREF(raised);
        if (!PyErr_Occurred()) PyErr_Format(PyExc_RuntimeError, "gentrain call failed with status %d", status);
        return NULL;
    }
    PyObject *tensor = tensor_alloc(tensor_type, 0);
    if (tensor == NULL) {
        release(out);
        return NULL;
    }
    ((TensorBase *)tensor)->handle = out;
    return tensor;
}

static int bound(void) {
    if (tensor_type != NULL) return 1;
    PyErr_SetString(PyExc_RuntimeError, "gentrain._native is used before bind()");
    return 0;
}

/* The entry point (argument 0) of a call whose `fixed` leading arguments are followed by one to
 * four more, counted in *count; NULL with an exception when the call does not fit `usage`. */
static void *entry_point(PyObject *args, Py_ssize_t fixed, Py_ssize_t *count, const char *usage) {
    *count = PyTuple_Size(args) - fixed;
    if (*count < 1 || *count > 4) {
        PyErr_SetString(PyExc_TypeError, usage);
        return NULL;
    }
    if (!bound()) return NULL;
    return function_address(PyTuple_GetItem(args, 0));
}

static PyObject *tensor_op(PyObject *module, PyObject *args) {
    (void)module;
    Py_ssize_t count;
    void *fn = entry_point(args, 1, &count, "tensor_op(fn, *tensors) takes one to four tensors");
    if (fn == NULL) return NULL;
    gentrain_tensor *h[4] = {NULL, NULL, NULL, NULL};
    for (Py_ssize_t i = 0; i < count; i++)
        if (argument_handle(PyTuple_GetItem(args, i + 1), &h[i]) != 0) return NULL;
    gentrain_tensor *out = NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    switch (count) {
    case 1: status = ((tensor_op1)fn)(&out, h[0]); break;
    case 2: status = ((tensor_op2)fn)(&out, h[0], h[1]); break;
    case 3: status = ((tensor_op3)fn)(&out, h[0], h[1], h[2]); break;
    default: status = ((tensor_op4)fn)(&out, h[0], h[1], h[2], h[3]); break;
    }
    Py_END_ALLOW_THREADS
    return result(status, out);
}

static PyObject *tensor_scalar_op(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *fn_object, *tensor_object;
    double x;
    if (!PyArg_ParseTuple(args, "OOd:tensor_scalar_op", &fn_object, &tensor_object, &x)) return NULL;
    if (!bound()) return NULL;
    void *fn = function_address(fn_object);
    if (fn == NULL) return NULL;
    gentrain_tensor *h = NULL;
    if (argument_handle(tensor_object, &h) != 0) return NULL;
    gentrain_tensor *out = NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = ((tensor_scalar_op_fn)fn)(&out, h, x);
    Py_END_ALLOW_THREADS
    return result(status, out);
}

/* An integer argument as int64: an int or an object with __index__ (a float is a TypeError, as
 * PyTorch has it); out of range, an OverflowError. */
static int int64_argument(PyObject *argument, int64_t *value) {
    PyObject *index = PyNumber_Index(argument);
    if (index == NULL) return -1;
    long long v = PyLong_AsLongLong(index);
    Py_DECREF(index);
    if (v == -1 && PyErr_Occurred()) return -1;
    *value = (int64_t)v;
    return 0;
}

static PyObject *tensor_int_op(PyObject *module, PyObject *args) {
    (void)module;
    Py_ssize_t count;
    void *fn = entry_point(args, 2, &count, "tensor_int_op(fn, tensor, *ints) takes one to four integers");
    if (fn == NULL) return NULL;
    gentrain_tensor *h = NULL;
    if (argument_handle(PyTuple_GetItem(args, 1), &h) != 0) return NULL;
    int64_t v[4] = {0, 0, 0, 0};
    for (Py_ssize_t i = 0; i < count; i++)
        if (int64_argument(PyTuple_GetItem(args, i + 2), &v[i]) != 0) return NULL;
    gentrain_tensor *out = NULL;
    int status;
    Py_BEGIN_ALLOW_THREADS
    switch (count) {
    case 1: status = ((tensor_int_op1)fn)(&out, h, v[0]); break;
    case 2: status = ((tensor_int_op2)fn)(&out, h, v[0], v[1]); break;
    case 3: status = ((tensor_int_op3)fn)(&out, h, v[0], v[1], v[2]); break;
    default: status = ((tensor_int_op4)fn)(&out, h, v[0], v[1], v[2], v[3]); break;
    }
    Py_END_ALLOW_THREADS
    return result(status, out);
}

/* bind(tensor_type, free_address, raise_error): once, when gentrain.Tensor exists. */
static PyObject *bind(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *type, *free_address, *raiser;
    if (!PyArg_ParseTuple(args, "OOO:bind", &type, &free_address, &raiser)) return NULL;
    if (!PyType_Check(type) || !PyType_IsSubtype((PyTypeObject *)type, tensor_base_type)) {
        PyErr_SetString(PyExc_TypeError, "bind() needs a subclass of TensorBase");
        return NULL;
    }
    void *free_fn = function_address(free_address);
    if (free_fn == NULL) return NULL;
    if (!PyCallable_Check(raiser)) {
        PyErr_SetString(PyExc_TypeError, "bind() needs a callable raise_error");
        return NULL;
    }
    Py_INCREF(type);
    Py_INCREF(raiser);
    Py_XDECREF((PyObject *)tensor_type);
    Py_XDECREF(raise_error);
    tensor_type = (PyTypeObject *)type;
    tensor_alloc = (allocfunc)PyType_GetSlot(tensor_type, Py_tp_alloc);
    tensor_free = (void (*)(gentrain_tensor *))free_fn;
    raise_error = raiser;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"tensor_op", tensor_op, METH_VARARGS, "tensor_op(fn, *tensors): the new tensor of fn(&out, *tensors)."},
    {"tensor_scalar_op", tensor_scalar_op, METH_VARARGS,
     "tensor_scalar_op(fn, tensor, x): the new tensor of fn(&out, tensor, (double)x)."},
    {"tensor_int_op", tensor_int_op, METH_VARARGS,
     "tensor_int_op(fn, tensor, *ints): the new tensor of fn(&out, tensor, (int64)i1, ...), one to four integers."},
    {"bind", bind, METH_VARARGS, "bind(tensor_type, free_address, raise_error)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "gentrain._native", "The per-op path of gentrain's Python package, in C.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__native(void) {
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) return NULL;
    tensor_base_type = (PyTypeObject *)PyType_FromSpec(&tensor_base_spec);
    if (tensor_base_type == NULL || PyModule_AddObject(module, "TensorBase", (PyObject *)tensor_base_type) != 0) {
        Py_XDECREF(tensor_base_type);
        Py_DECREF(module);
        return NULL;
    }
    Py_INCREF(tensor_base_type);   /* the module's reference was taken by AddObject; this one is ours */
    return module;
}
