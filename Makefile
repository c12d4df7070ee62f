# make run: set up and launch ModelDesk.  make test: set up and run the whole test suite.
# make install-desktop: put ModelDesk in the desktop's menu and dock (make uninstall-desktop removes it).
.PHONY: run test setup setup-test bench clean install-desktop uninstall-desktop

run: setup
	.venv/bin/python main.py

test: setup-test
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q

setup:
	bash scripts/setup.sh

setup-test:
	bash scripts/setup.sh --test

install-desktop: setup
	.venv/bin/modeldesk --install-desktop

uninstall-desktop: setup
	.venv/bin/modeldesk --uninstall-desktop

bench: setup-test
	QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/run_all.py

clean:
	rm -rf .venv .pytest_cache
