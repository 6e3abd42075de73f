# An example course site built with Sphinx: two nntrace lessons, each in Chinese and English,
# rendered at build time by the tracer.sphinx extension (pip install 'nntrace[sphinx]').
# The 3-4-1 lesson is written in reStructuredText, the XOR lesson in MyST Markdown.
#   sphinx-build -W -b html . _build/html
project = "Neural networks by hand · 手算神经网络"
extensions = ["myst_parser", "tracer.sphinx"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
language = "en"
html_theme = "alabaster"
html_static_path = []
