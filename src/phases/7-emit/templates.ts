/** The C templates and kernel sources in the package's templates/ folder, read once and cached. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { packageRoot } from '../../io/package-root.js';

const texts = new Map<string, string>();
const compiled = new Map<string, Handlebars.TemplateDelegate>();

export function templatePath(relative: string): string {
  return join(packageRoot(), 'templates', relative);
}

export function templateExists(relative: string): boolean {
  return existsSync(templatePath(relative));
}

/** A template file's text (C sources are used verbatim). */
export function templateText(relative: string): string {
  let text = texts.get(relative);
  if (text === undefined) {
    text = readFileSync(templatePath(relative), 'utf8');
    texts.set(relative, text);
  }
  return text;
}

/** Renders a handlebars template; no HTML escaping (this is C), and a missing field is an error, not ''. */
export function render(relative: string, context: object): string {
  let template = compiled.get(relative);
  if (!template) {
    template = Handlebars.compile(templateText(relative), { noEscape: true, strict: true });
    compiled.set(relative, template);
  }
  return template(context);
}
