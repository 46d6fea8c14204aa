"""The related-term (synonym) table that search and matching expand queries with; operators edit it."""
