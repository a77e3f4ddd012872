# Shortcuts; the scripts are the source of truth.
.PHONY: setup test bench golden ffi docs clean

setup:        ## install what is missing, build, install, train the demo
	scripts/setup.sh

test:         ## every test suite: C, Swift, Python
	scripts/test.sh

bench:        ## gentrain next to PyTorch (when installed) on the same machine
	scripts/bench.sh

golden:       ## regenerate the PyTorch golden files (needs torch)
	python3 scripts/gen_golden.py

ffi:          ## regenerate the Python ctypes signatures from the header
	python3 scripts/gen_python_ffi.py

docs:         ## reference documentation in build/docs: the C header (Doxygen), the Python package (pydoc)
	scripts/docs.sh

clean:
	rm -rf build .build
