"""Course sites that build nntrace lessons themselves: the shared core (``lessons``), the MkDocs
plugin (``mkdocs``) and the Markdown → docutils conversion behind the Sphinx extension
(``docutils``; the extension itself is ``tracer.sphinx``). None of them imports MkDocs, Sphinx or
docutils until a site builder loads it.
"""
