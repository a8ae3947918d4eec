import { describe, expect, it, vi } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { DistributionForm } from './DistributionForm';

function setup(props: Partial<Parameters<typeof DistributionForm>[0]> = {}) {
  const onSubmit = vi.fn();
  const user = userEvent.setup();
  render(<DistributionForm cell="Inputs!B2" cellValue={120} onSubmit={onSubmit} {...props} />);
  return { user, onSubmit };
}

describe('DistributionForm', () => {
  it('starts from a triangular around the cell value with a density preview', () => {
    setup();
    expect(screen.getByLabelText('Distribution')).toHaveProperty('value', 'TRIANGULAR');
    expect(screen.getByLabelText('Minimum')).toHaveProperty('value', '108');
    expect(screen.getByLabelText('Most likely')).toHaveProperty('value', '120');
    expect(screen.getByLabelText('Maximum')).toHaveProperty('value', '144');
    const svg = screen.getByRole('img', { name: /Density preview of Triangular\(108, 120, 144\)/ });
    expect(svg.querySelector('path.density-line')?.getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+$/);
  });

  it('shows an error as soon as the minimum exceeds the maximum, and clears it', async () => {
    const { user } = setup();
    const max = screen.getByLabelText('Maximum');
    await user.clear(max);
    await user.type(max, '50');
    expect(max.getAttribute('aria-invalid')).toBe('true');
    const err = screen.getByText('Maximum must be greater than minimum');
    expect(max.getAttribute('aria-describedby')).toBe(err.id);
    expect(screen.queryByTestId('density-preview')).toBeNull();
    expect(screen.getByTestId('density-preview-empty')).toBeTruthy();

    await user.clear(max);
    await user.type(max, '150');
    expect(screen.queryByText('Maximum must be greater than minimum')).toBeNull();
    expect(max.getAttribute('aria-invalid')).toBeNull();
    expect(screen.getByTestId('density-preview')).toBeTruthy();
  });

  it('validates each field as typed: numbers, positivity, probabilities', async () => {
    const { user } = setup();
    await user.selectOptions(screen.getByLabelText('Distribution'), 'NORMAL');
    const sd = screen.getByLabelText('Standard deviation');
    await user.clear(sd);
    await user.type(sd, '-3');
    expect(screen.getByText('Must be greater than 0')).toBeTruthy();
    await user.clear(sd);
    await user.type(sd, 'abc');
    expect(screen.getByText('Enter a number')).toBeTruthy();

    await user.selectOptions(screen.getByLabelText('Distribution'), 'BERNOULLI');
    const p = screen.getByLabelText('Probability (p)');
    await user.clear(p);
    await user.type(p, '1.5');
    expect(screen.getByText('Must be between 0 and 1')).toBeTruthy();
  });

  it('checks that discrete probabilities sum to 1 and draws bars', async () => {
    const { user } = setup();
    await user.selectOptions(screen.getByLabelText('Distribution'), 'DISCRETE');
    const probs = screen.getByLabelText('Probabilities');
    await user.clear(probs);
    await user.type(probs, '0.2, 0.2, 0.2');
    expect(screen.getByText('Probabilities sum to 0.6, not 1')).toBeTruthy();
    await user.clear(probs);
    await user.type(probs, '0.2, 0.3, 0.5');
    const svg = screen.getByTestId('density-preview');
    expect(svg.querySelectorAll('rect.density-bar')).toHaveLength(3);
  });

  it('submits the parsed distribution and name', async () => {
    const { user, onSubmit } = setup();
    await user.selectOptions(screen.getByLabelText('Distribution'), 'UNIFORM');
    const min = screen.getByLabelText('Minimum');
    const max = screen.getByLabelText('Maximum');
    await user.clear(min);
    await user.type(min, '0.03');
    await user.clear(max);
    await user.type(max, '0.12');
    await user.type(screen.getByLabelText(/^Name/), 'Growth');
    await user.click(screen.getByRole('button', { name: 'Save input' }));
    expect(onSubmit).toHaveBeenCalledWith({ type: 'UNIFORM', min: 0.03, max: 0.12 }, 'Growth');
  });

  it('does not submit while invalid and says why', async () => {
    const { user, onSubmit } = setup();
    const mode = screen.getByLabelText('Most likely');
    await user.clear(mode);
    await user.type(mode, '500');
    await user.click(screen.getByRole('button', { name: 'Save input' }));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByText('Most likely must be at most the maximum')).toBeTruthy();
  });

  it('edits an existing input and offers removal', async () => {
    const onRemove = vi.fn();
    const { user } = setup({ initial: { type: 'NORMAL', mean: 10000, stdDev: 1500 }, onRemove });
    expect(screen.getByLabelText('Mean')).toHaveProperty('value', '10000');
    const form = screen.getByRole('form', { name: 'Distribution of Inputs!B2' });
    await user.click(within(form).getByRole('button', { name: 'Remove input' }));
    expect(onRemove).toHaveBeenCalled();
  });

  it('offers the @RISK-style families with their parameters', async () => {
    const { user, onSubmit } = setup();
    await user.selectOptions(screen.getByLabelText('Distribution'), 'TRIGEN');
    expect(screen.getByLabelText('Bottom value')).toHaveProperty('value', '108');
    expect(screen.getByLabelText('Bottom percentile')).toHaveProperty('value', '10');
    expect(screen.getByLabelText('Top percentile')).toHaveProperty('value', '90');
    const top = screen.getByLabelText('Top percentile');
    await user.clear(top);
    await user.type(top, '150');
    expect(screen.getByText('Must be between 0 and 100')).toBeTruthy();
    await user.clear(top);
    await user.type(top, '95');
    expect(screen.getByTestId('density-preview')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Save input' }));
    expect(onSubmit).toHaveBeenCalledWith({ type: 'TRIGEN', bottom: 108, mode: 120, top: 144, bottomPercentile: 10, topPercentile: 95 }, null);

    await user.selectOptions(screen.getByLabelText('Distribution'), 'INTEGER_UNIFORM');
    expect(screen.getByTestId('density-preview').querySelectorAll('rect.density-bar')).toHaveLength(11);
    await user.selectOptions(screen.getByLabelText('Distribution'), 'STUDENT');
    expect(screen.getByLabelText('Degrees of freedom (ν)')).toHaveProperty('value', '5');
  });

  it('validates truncation bounds', async () => {
    const { user } = setup();
    await user.click(screen.getByRole('button', { name: 'Truncate…' }));
    await user.type(screen.getByLabelText(/Truncate below/), '130');
    await user.type(screen.getByLabelText(/Truncate above/), '110');
    expect(screen.getByText('Must be greater than the lower truncation')).toBeTruthy();
  });
});
