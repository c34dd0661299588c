"""Market data as pure rules: bar calendars, candle folding and 24 h rolling statistics."""
