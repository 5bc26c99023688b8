"""Character-level text models: encoding, the shared CharRNN, generation and classification."""
