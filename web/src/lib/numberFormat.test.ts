import { describe, expect, it } from 'vitest';
import { formatterFromCode, formatterFromDisplay } from './numberFormat';

describe('formatterFromDisplay', () => {
  it.each([
    ['26.1%', 0.260609, 0.260609, '26.1%'],
    ['26%', 0.26, -0.0512, '−5%'],
    ['12.50%', 0.125, 0.3, '30.00%'],
    ['$1,234.50', 1234.5, -98765.432, '−$98,765.43'],
    ['€12', 12, 1500.4, '€1,500'],
    ['1,034,290', 1034290, 2500000.7, '2,500,001'],
    ['1,034,290.23', 1034290.23, 12.5, '12.50'],
    ['12 USD', 12, 1234, '1,234 USD'],
  ])('%s formats %d like the workbook: %d -> %s', (shown, n, x, want) => {
    const f = formatterFromDisplay(shown, n);
    expect(f).not.toBeNull();
    expect(f!(x)).toBe(want);
  });

  it.each([
    [null, 1],
    ['', 1],
    ['0.260609', 0.260609],
    ['1234', 1234],
    ['26.1%', null],
  ])('keeps the default for %s', (shown, n) => {
    expect(formatterFromDisplay(shown, n)).toBeNull();
  });
});

describe('formatterFromCode', () => {
  it.each([
    ['0.0%', 0.260609, '26.1%'],
    ['0%', -0.0512, '−5%'],
    ['0.00%', 0.3, '30.00%'],
    ['$#,##0', 1234567.8, '$1,234,568'],
    ['$#,##0.00_);($#,##0.00)', -98765.432, '−$98,765.43'],
    ['#,##0.00 [$€-407]', 1500.4, '1,500.40 €'],
    ['"USD" #,##0', 1234, 'USD 1,234'],
    ['#,##0', 2500000.7, '2,500,001'],
    ['0.00', 12.5, '12.50'],
    ['0.00E+00', 12345, '1.23E+04'],
  ])('%s formats %d as Excel does: %s', (code, x, want) => {
    const f = formatterFromCode(code);
    expect(f).not.toBeNull();
    expect(f!(x)).toBe(want);
  });

  it.each([null, '', 'General', '@', 'mm-dd-yy', 'h:mm:ss'])('keeps the default for %s', (code) => {
    expect(formatterFromCode(code)).toBeNull();
  });
});
