"""Symbols that carry GS1 data: QR, EAN-13, UPC-A, GS1-128, GS1 DataMatrix, and NFC tags."""
