"""Data in and out: bulk import of results, demands, organisations and contracts from XLSX, CSV and
JSONL (template → preview → all-or-nothing commit), and exports of the lists."""
