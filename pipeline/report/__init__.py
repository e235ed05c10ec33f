"""What was extracted, to look at: a static HTML report per plan and for the corpus (`run`), the command line's
summary after a run (`summary.summarize`), and a CJK font for plots (`fonts.use_cjk_font`)."""

from pipeline.report.report import run

__all__ = ["run"]
