"""The results file lives in the execution layer (prover.attempts.results); these names stay importable here."""

from prover.attempts.results import ResultsFile, ResultsWriter, key, read_results

__all__ = ["ResultsFile", "ResultsWriter", "key", "read_results"]
