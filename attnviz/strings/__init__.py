"""The translation table's parts, one module per area; ``attnviz.i18n`` merges them."""
