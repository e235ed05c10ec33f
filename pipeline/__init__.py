"""Development-plan PDFs (国民经济和社会发展五年规划纲要) -> typed Parquet datasets."""

__version__ = "0.1.0"
