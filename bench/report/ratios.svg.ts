import type { Summary } from '../harness/summary.js';
import { SCENARIOS } from '../harness/scenarios.js';
import { VARIANT_LABELS, type VariantName } from '../variants/variants.js';

const COLORS: Record<VariantName, string> = {
  bare: '#9e9e9e',
  'noop-guard': '#bdbdbd',
  'ratelimit-memory': '#1b9e77',
  'ratelimit-redis': '#0b5d45',
  'ratelimit-node-redis': '#2c7fb8',
  'throttler-memory': '#d95f02',
  'throttler-redis': '#7f3a05',
  phases: '#7570b3',
  'phases-ab': '#e7298a',
};

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A horizontal bar chart of each variant's throughput relative to the bare app (1.0), one group
 * of bars per platform and scenario. Plain SVG, no chart library.
 */
export function ratiosSvg(summaries: readonly Summary[], title: string): string {
  const measured = summaries.filter((s) => s.variant !== 'bare');
  const groups = [...new Set(measured.map((s) => `${s.platform}/${s.scenario}`))];
  const variants = [...new Set(measured.map((s) => s.variant))];
  const bar = 18;
  const cpuBar = 6;
  const gap = 4;
  const groupGap = 26;
  const left = 230;
  const plot = 560;
  const top = 78 + 20 * Math.ceil(variants.length / 2);
  const groupHeight = variants.length * (bar + cpuBar + gap) + groupGap;
  const height = top + groups.length * groupHeight + 30;
  const width = left + plot + 90;
  const ratios = measured.flatMap((s) => [s.ratio, s.cpuRatio]).filter(Number.isFinite);
  const max = Math.max(1.2, ...ratios) * 1.05;
  const x = (ratio: number) => Math.round((left + (plot * ratio) / max) * 10) / 10;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>`,
  ];
  variants.forEach((variant, i) => {
    const lx = 20 + (i % 2) * 420;
    const ly = 40 + 20 * Math.floor(i / 2);
    parts.push(
      `<rect x="${lx}" y="${ly}" width="12" height="12" fill="${COLORS[variant]}"/>`,
      `<text x="${lx + 18}" y="${ly + 10}">${escape(VARIANT_LABELS[variant])}</text>`,
    );
  });
  parts.push(
    `<text x="${width / 2}" y="${top - 14}" text-anchor="middle" fill="#555">thick bars: req/s / bare req/s; thin bars: bare CPU per request / variant CPU per request (app + redis-server)</text>`,
  );
  for (let tick = 0; tick <= max; tick += 0.25) {
    const tx = x(tick);
    const major = Math.abs(tick - 1) < 1e-9;
    parts.push(
      `<line x1="${tx}" y1="${top - 8}" x2="${tx}" y2="${height - 26}" stroke="${major ? '#333' : '#e0e0e0'}" stroke-width="${major ? 1.5 : 1}"${major ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${tx}" y="${height - 10}" text-anchor="middle" fill="#555">${tick.toFixed(2)}${major ? ' = bare' : ''}</text>`,
    );
  }
  groups.forEach((group, g) => {
    const [platform, scenario] = group.split('/');
    const gy = top + g * groupHeight;
    parts.push(
      `<text x="${left - 10}" y="${gy + 12}" text-anchor="end" font-weight="bold">${escape(platform)}</text>`,
      `<text x="${left - 10}" y="${gy + 28}" text-anchor="end" fill="#555">${escape(scenario)}</text>`,
    );
    variants.forEach((variant, v) => {
      const summary = measured.find((s) => `${s.platform}/${s.scenario}` === group && s.variant === variant);
      const y = gy + v * (bar + cpuBar + gap);
      if (summary === undefined || !Number.isFinite(summary.ratio)) {
        parts.push(
          `<text x="${left + 4}" y="${y + 13}" fill="#999">${escape(summary?.unavailable ? 'pending' : 'n/a')}</text>`,
        );
        return;
      }
      parts.push(
        `<rect x="${left}" y="${y}" width="${Math.max(1, x(summary.ratio) - left)}" height="${bar}" fill="${COLORS[variant]}"><title>${escape(
          `${VARIANT_LABELS[variant]}, ${platform}, ${SCENARIOS[summary.scenario].label}: ${summary.ratio.toFixed(2)}x bare`,
        )}</title></rect>`,
        `<text x="${x(summary.ratio) + 5}" y="${y + 13}">${summary.ratio.toFixed(2)}x</text>`,
      );
      if (Number.isFinite(summary.cpuRatio)) {
        parts.push(
          `<rect x="${left}" y="${y + bar}" width="${Math.max(1, x(summary.cpuRatio) - left)}" height="${cpuBar}" fill="${COLORS[variant]}" opacity="0.45"><title>${escape(
            `by CPU time per request: ${summary.cpuRatio.toFixed(2)}x bare`,
          )}</title></rect>`,
        );
      }
    });
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
