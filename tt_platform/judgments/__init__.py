"""Relevance judgments: people grade the platform's suggestions, and the installation measures its
matching on them (qrels export, evaluation snapshots over time and per 技术领域)."""
