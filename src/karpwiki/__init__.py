"""karpwiki: a static site generator and link checker for markdown wikis."""

__version__ = "0.1.0"
