import { Layout, type PageFrame } from '../layout.js';
import { consolePaths } from '../paths.js';

/** A page that only says what went wrong (403, 404, 500) and where to go next. */
export function MessagePage({
  frame,
  title,
  message,
  link = { href: consolePaths.hooks, text: 'Back to webhooks' },
}: {
  frame: PageFrame;
  title: string;
  message: string;
  link?: { href: string; text: string };
}) {
  return (
    <Layout title={title} frame={frame}>
      <div class="card confirm">
        <h1>{title}</h1>
        <p class="alert" role="alert" data-testid="error">
          {message}
        </p>
        <a class="btn btn-secondary" href={link.href}>
          {link.text}
        </a>
      </div>
    </Layout>
  );
}
