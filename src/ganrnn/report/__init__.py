"""The written report: figures drawn from metrics and plots, and the Markdown template."""
