"""The report step: merge results files and render HTML, JSON and Markdown. Never imports Django."""
