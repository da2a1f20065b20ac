/*
 * The extension anyconv.timeseries._compiled: an empty Python module whose
 * shared library carries the compiled loops (minirocket.c, pooling.c, rocket.c,
 * lightwaves.c, hydra.c). Python calls them through ctypes (anyconv/timeseries/native.py
 * loads the library, each family's native.py wraps its loop); the module exists
 * so that packaging tools build and install the library like any extension.
 */
#include <Python.h>

#include "simd.h"

/* Checked at load (native.ABI_VERSION): a stale build is refused, not called. */
int anyconv_abi_version(void) { return ANYCONV_ABI_VERSION; }

static struct PyModuleDef compiled_module = {
    PyModuleDef_HEAD_INIT, "_compiled", "Compiled loops of anyconv.timeseries (called through ctypes).",
    -1, NULL, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__compiled(void) { return PyModule_Create(&compiled_module); }
