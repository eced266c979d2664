"""hmic-graph: a knowledge graph of HMIC police inspection reports."""

__version__ = "0.1.0"
