"""karpwiki's default theme, shipped as package data: Jinja templates and static/ files."""
