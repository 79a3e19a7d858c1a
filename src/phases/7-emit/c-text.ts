/**
 * How values and text are printed as C. Floats are exact hex-float literals: a float32 has a 24-bit significand,
 * six hex digits after '0x1.' hold it, so the compiler reads back the very same bits (no decimal rounding).
 */

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Exact C99 literal of a float32 value: '-0x1.8p-3f', '0.0f', '-0.0f'; infinities as HUGE_VALF (<math.h>). */
export function floatLiteral(v: number): string {
  if (Number.isNaN(v) || Math.fround(v) !== v) throw new Error(`${v} is not a float32 value C can print`);
  if (v === Infinity) return 'HUGE_VALF';
  if (v === -Infinity) return '-HUGE_VALF';
  if (v === 0) return Object.is(v, -0) ? '-0.0f' : '0.0f';
  F32[0] = v;
  const bits = U32[0]!;
  const sign = bits >>> 31 ? '-' : '';
  const biased = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  let exponent = biased - 127;
  if (biased === 0) {
    // Subnormal: shift the leading 1 into the implicit position so every literal reads 0x1.xxxp<e>.
    exponent = -126;
    while ((mantissa & 0x800000) === 0) {
      mantissa <<= 1;
      exponent--;
    }
    mantissa &= 0x7fffff;
  }
  const fraction = (mantissa << 1).toString(16).padStart(6, '0').replace(/0+$/, '');
  return `${sign}0x1${fraction ? `.${fraction}` : ''}p${exponent >= 0 ? '+' : ''}${exponent}f`;
}

/** True when printing `v` needs <math.h> (HUGE_VALF). */
export function needsMathH(v: number): boolean {
  return v === Infinity || v === -Infinity;
}

/** int32 literal; INT32_MIN has no literal of type int (2147483648 does not fit), so it is an expression. */
export function int32Literal(v: number): string {
  return v === -2147483648 ? '(-2147483647 - 1)' : String(v);
}

export function uint32Literal(v: number): string {
  return `0x${v.toString(16).toUpperCase().padStart(8, '0')}u`;
}

/** Array initializer lines: `perLine` values a line, indented by four spaces. */
export function wrapValues(values: readonly string[], perLine = 8): string {
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += perLine) lines.push(`    ${values.slice(i, i + perLine).join(', ')}`);
  return lines.join(',\n');
}

/**
 * Text safe inside a one-line C comment: no comment terminator, no line splices, no trigraphs (-std=c99 turns
 * '??/' into a backslash), printable ASCII only, at most `max` characters.
 */
export function commentText(text: string, max = 100): string {
  let s = text
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/\*\//g, '* /')
    .replace(/\/\*/g, '/ *')
    .replace(/\\/g, '/')
    .replace(/\?(?=\?)/g, '? ');
  if (s.length > max) s = `${s.slice(0, max - 3)}...`;
  return s;
}

/**
 * A call statement at `indent`, on one line when it fits in `width` columns, else wrapped after commas with the
 * continuation lines aligned to the opening parenthesis.
 */
export function callStatement(fn: string, args: readonly string[], indent = '    ', width = 110): string {
  const oneLine = `${indent}${fn}(${args.join(', ')});`;
  if (oneLine.length <= width) return oneLine;
  const align = ' '.repeat(indent.length + fn.length + 1);
  const lines: string[] = [];
  let line = `${indent}${fn}(`;
  args.forEach((arg, i) => {
    const piece = arg + (i === args.length - 1 ? ');' : ',');
    const start = line.endsWith('(');
    if (!start && line.length + 1 + piece.length > width) {
      lines.push(line);
      line = align + piece;
    } else {
      line += (start ? '' : ' ') + piece;
    }
  });
  lines.push(line);
  return lines.join('\n');
}
