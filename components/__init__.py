"""Builder functions: data in, component tree out, no hidden state. No SQL here."""
