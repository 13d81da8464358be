import Prover.Header
