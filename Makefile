# make run: set up and launch ModelDesk.  make test: set up and run the whole test suite.
.PHONY: run test setup setup-test bench clean

run: setup
	.venv/bin/python main.py

test: setup-test
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q

setup:
	bash scripts/setup.sh

setup-test:
	bash scripts/setup.sh --test

bench: setup-test
	QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/run_all.py

clean:
	rm -rf .venv .pytest_cache
