"""Package data of the app: the icon, the style sheet and the desktop entry template.

A package (not a folder beside the code) so that it ships inside a built wheel and is found by
``importlib.resources`` wherever the app is installed (see gui/app.py ``resource``).
"""
