// Building the page from the capture's data: every text goes in as a text node
// (textContent), never as markup, so that packet contents are shown and never run.

/** An element with attributes (class, title, data-*) and children (strings become text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('data-')) node.dataset[key.slice(5).replace(/-(.)/g, (_, c) => c.toUpperCase())] = String(value);
    else if (key === 'title' || key === 'role' || key === 'tabindex' || key === 'aria-label') node.setAttribute(key, String(value));
    else throw new Error(`el: attribute ${key} not allowed`);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

/** Empty ``node`` and put ``children`` in it. */
export function fill(node, ...children) {
  node.replaceChildren(...children.map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
  return node;
}
