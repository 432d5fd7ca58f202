// What a person meets on the page in Latin letters: for checking that a page in Hindi writes no English.
const LATIN_WORD = /[A-Za-z]{2,}/
// Attributes read out or shown in place of the element.
const READ_ATTRIBUTES = ['aria-label', 'aria-valuetext', 'alt', 'placeholder', 'title']

function isShown(node: Node): boolean {
  const element = node instanceof Element ? node : node.parentElement
  if (!element || element.closest('script, style, [hidden]')) return false
  // A closed <details> shows its <summary> only.
  const details = element.closest('details')
  return !details || details.open || element.closest('summary') !== null
}

type Options = {
  // Text that may hold Latin letters where it appears, such as a file name or a model version.
  except?: string[]
}

// The text of each element that shows, or is read out with, a word in Latin letters (two letters or more).
export function textWithLatinWords(root: HTMLElement, { except = [] }: Options = {}): string[] {
  const found = new Set<string>()
  const allowed = (text: string) => except.some((part) => text.includes(part))
  const walker = root.ownerDocument.createTreeWalker(root, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const block = node.parentElement?.textContent?.replace(/\s+/g, ' ').trim() ?? ''
    if (LATIN_WORD.test(node.textContent ?? '') && isShown(node) && !allowed(block)) found.add(block)
  }
  for (const element of root.querySelectorAll('*')) {
    for (const attribute of READ_ATTRIBUTES) {
      const value = element.getAttribute(attribute)
      if (value && LATIN_WORD.test(value) && isShown(element) && !allowed(value)) found.add(`${attribute}: ${value}`)
    }
  }
  return [...found]
}
