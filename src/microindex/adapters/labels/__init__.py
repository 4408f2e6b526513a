"""Labels for real printers: PDF sheets (Avery grids, 4x6 inch shipping) and ZPL for Zebra."""
