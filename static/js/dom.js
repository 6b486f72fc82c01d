// Tiny DOM helpers. Text always goes through textContent: typed text is never markup.

export function $(id) { return document.getElementById(id); }

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else if (key === 'style') for (const [p, v] of Object.entries(value)) node.style.setProperty(p, v);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

export function setText(id, text) { const n = $(id); if (n) n.textContent = text; }

// A line shown only while it has something to say (an error under a form).
export function sayLine(node, text) { node.textContent = text || ''; node.hidden = !text; }

export function plural(n, one, many) { return n === 1 ? one : many; }

// Black or white text, whichever reads better on a background colour (WCAG luminance).
export function inkFor(hex) {
  const c = hex.replace('#', '');
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(c.slice(i, i + 2), 16) / 255)
    .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return (1.05 / (lum + 0.05)) >= ((lum + 0.05) / 0.05) ? '#ffffff' : '#111111';
}
