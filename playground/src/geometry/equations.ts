/**
 * Each method's equations in plain Unicode, beside its canvas (the papers' notation; the
 * balancer's own doc comment in src/mtl/balancers/<id>.ts has the same text and the
 * conventions). A balancer registered without an entry here shows its registry summary.
 */
export interface Equation {
  /** Where it comes from. */
  source: string;
  lines: string[];
}

const eq5 = 'ĝᵢ = τ · maxⱼ‖gⱼ‖ / ‖gᵢ‖ · gᵢ + (1 − τ) gᵢ                      (eq. 5)';

export const EQUATIONS: Readonly<Record<string, Equation>> = {
  single: { source: 'one task', lines: ['d = g_k      (k = task)'] },
  ew: { source: 'equal weighting', lines: ['d = (1/T) Σₜ gₜ      (reduction mean; sum: Σₜ gₜ)'] },
  uc: {
    source: 'Kendall, Gal and Cipolla, CVPR 2018',
    lines: ['L = Σₜ e^(−sₜ) Lₜ / 2 + sₜ / 2', 'd = Σₜ (e^(−sₜ) / 2) gₜ,   then one Adam step on s:  ∂L/∂sₜ = −e^(−sₜ) Lₜ / 2 + 1/2'],
  },
  dwa: {
    source: 'Liu, Johns and Davison, CVPR 2019',
    lines: ['rₜ = Lₜ(k−1) / Lₜ(k−2),   wₜ = S · exp(rₜ / Temp) / Σⱼ exp(rⱼ / Temp)', 'd = Σₜ wₜ gₜ      (first two epochs: wₜ = S / T)'],
  },
  mgda: {
    source: 'Sener and Koltun, NeurIPS 2018',
    lines: ['α* = argmin_{α ∈ Δ} ‖Σₜ αₜ gₜ / nₜ‖²', "d = Σₜ α*ₜ gₜ   (apply 'original');   Σₜ α*ₜ gₜ / nₜ   ('normalized')"],
  },
  pcgrad: {
    source: 'Yu et al., NeurIPS 2020, Algorithm 1',
    lines: ['gᵢᵖᶜ = gᵢ;  for j ≠ i in a random order:', '  if ⟨gᵢᵖᶜ, gⱼ⟩ < 0:  gᵢᵖᶜ ← gᵢᵖᶜ − ⟨gᵢᵖᶜ, gⱼ⟩ / ‖gⱼ‖² · gⱼ', 'd = Σᵢ gᵢᵖᶜ'],
  },
  'pcgrad+': { source: 'GradCraft eq. 5, then PCGrad', lines: [eq5, 'PCGrad on ĝ:  ĝᵢᵖᶜ ← ĝᵢᵖᶜ − ⟨ĝᵢᵖᶜ, ĝⱼ⟩ / ‖ĝⱼ‖² · ĝⱼ  when negative', 'd = Σᵢ ĝᵢᵖᶜ'] },
  gradvac: {
    source: 'Wang et al., ICLR 2021',
    lines: [
      'φᵢⱼ = cos(g′ᵢ, gⱼ);  if φᵢⱼ < φ̂ᵢⱼ:',
      '  g′ᵢ ← g′ᵢ + ‖g′ᵢ‖ (φ̂ᵢⱼ √(1 − φᵢⱼ²) − φᵢⱼ √(1 − φ̂ᵢⱼ²)) / (‖gⱼ‖ √(1 − φ̂ᵢⱼ²)) · gⱼ',
      'φ̂ᵢⱼ ← (1 − β) φ̂ᵢⱼ + β φᵢⱼ      (φ̂ starts at 0)',
      'd = Σᵢ g′ᵢ',
    ],
  },
  cagrad: {
    source: 'Liu et al., NeurIPS 2021',
    lines: ['g₀ = (1/T) Σₜ gₜ,   w* = argmin_{w ∈ Δ} g_wᵀ g₀ + c ‖g₀‖ ‖g_w‖,   g_w = Σₜ wₜ gₜ', 'd = (g₀ + c ‖g₀‖ g_w* / ‖g_w*‖) / (1 + c²)      (rescale 1)'],
  },
  imtl: {
    source: 'Liu et al., ICLR 2021 (IMTL-G)',
    lines: ['uₜ = gₜ / ‖gₜ‖,   D = [g₁ − gₜ]ₜ≥₂,   U = [u₁ − uₜ]ₜ≥₂', 'α₂:T = g₁ Uᵀ (D Uᵀ)⁻¹,   α₁ = 1 − Σₜ≥₂ αₜ,   d = Σₜ αₜ gₜ', '(equal projections ⟨d, uₜ⟩ for every t)'],
  },
  dbmtl: {
    source: 'Lin et al., 2023',
    lines: ['ĝₜ ← βₖ ĝₜ + (1 − βₖ) ∇ log Lₜ  (= gₜ / Lₜ)', 'd = Σₜ (maxₛ ‖ĝₛ‖ / ‖ĝₜ‖) ĝₜ'],
  },
  gradcraft: {
    source: 'Bai et al., KDD 2024',
    lines: [
      eq5,
      'Cᵢ = { j : ⟨ĝᵢ, ĝⱼ⟩ < 0 }, Gᵢ = rows ĝⱼ, j ∈ Cᵢ',
      'Gᵢ g̃ᵢᵀ = z,   zⱼ = ε ‖ĝᵢ‖ ‖ĝⱼ‖                                  (eq. 6)',
      'g̃ᵢ = ĝᵢ + wᵀ Gᵢ,   (Gᵢ Gᵢᵀ) w = −Gᵢ ĝᵢᵀ + z                       (eq. 7, 9)',
      'd = (1/T) Σᵢ g̃ᵢ                                                  (eq. 10)',
    ],
  },
  'gradcraft-exact': {
    source: 'mtlkit: GradCraft against every task',
    lines: [eq5, 'g̃ᵢ = argmin ‖g − ĝᵢ‖²  s.t.  ⟨g, ĝⱼ⟩ ≥ ε ‖ĝᵢ‖ ‖ĝⱼ‖  for all j ≠ i', 'd = (1/T) Σᵢ g̃ᵢ'],
  },
  multibalance: {
    source: 'He et al., 2024, Algorithm 3',
    lines: [
      'uₘ ← (1 − γ) uₘ + γ ‖gₘ‖,   vₘ = gₘ / uₘ',
      "δₘ = cos(vₘ, Vλ + ρ Vλ₀)   (form 'cosine');   δ = Vᵀ(Vλ + ρ Vλ₀)   ('gradient')",
      'λ ← Proj_Δ(λ − β δ),   d = V λ',
    ],
  },
  graddrop: {
    source: 'Chen et al., NeurIPS 2020',
    lines: ['Pₖ = ½ (1 + Σₜ gₜₖ / Σₜ |gₜₖ|),   Uₖ ~ U[0, 1)', 'Mₜₖ = [Pₖ > Uₖ][gₜₖ > 0] + [Pₖ < Uₖ][gₜₖ < 0]', 'dₖ = Σₜ (leak + (1 − leak) Mₜₖ) gₜₖ'],
  },
  moco: {
    source: 'Fernando et al., ICLR 2023',
    lines: ['yₜ ← yₜ − βₖ (yₜ − gₜ)', 'λ ← Proj_Δ(λ − γₖ (YᵀY + ρ I) λ)', 'd = Y λ'],
  },
};
