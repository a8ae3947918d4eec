// Package workbook imports .xlsx files into a plain, read-only model the
// formula engine can compile: sheets in workbook order, their cells (constant
// values, formula text with shared formulas already expanded per cell, array
// formula ranges, and the value the spreadsheet application cached) and the
// defined names.
//
// Uploaded workbooks are untrusted. Open checks the zip container (entry
// count, total uncompressed size, per-entry compression ratio) before any XML
// is decoded, then streams the worksheet XML so that a cell-count or
// formula-length limit stops the import early instead of after the whole
// file has been materialised. Every failure is an error that matches
// ErrInvalidWorkbook or ErrLimitExceeded with errors.Is.
package workbook
