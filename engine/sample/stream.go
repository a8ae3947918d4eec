package sample

import "math/rand/v2"

// Stream purposes, hashed into the seed so that the streams of different
// purposes never coincide.
const (
	purposeChunk  uint64 = iota + 1 // Monte Carlo draws and LHS jitter of one chunk
	purposeLHS                      // the LHS stratum permutation (Feistel round keys) of one input
	purposeIC                       // the Iman-Conover score permutation of one input
	purposeCopula                   // a t copula's χ² uniforms of one chunk, keyed by its first input
)

// splitMix64 is the finaliser of Steele, Lea and Flood's SplitMix64
// (OOPSLA 2014), a bijective 64-bit mixer.
func splitMix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// newStream returns the PCG stream of (seed, purpose, input, chunk).
func newStream(seed, purpose uint64, input, chunk int) rand.PCG {
	h := splitMix64(seed)
	h = splitMix64(h ^ purpose)
	h = splitMix64(h ^ uint64(input))
	h = splitMix64(h ^ uint64(chunk))
	var p rand.PCG
	p.Seed(h, splitMix64(h^0x6a09e667f3bcc909)) // second word: √2 fractional bits
	return p
}

// openUnit maps 64 random bits to (0, 1): the top 53 bits plus one half,
// scaled by 2⁻⁵³, so neither 0 nor 1 is ever returned.
func openUnit(x uint64) float64 {
	return (float64(x>>11) + 0.5) * 0x1p-53
}
