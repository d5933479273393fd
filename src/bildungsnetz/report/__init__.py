"""Reports for people: gap reports (HTML/XLSX/Markdown), SDG coverage, import reports."""
