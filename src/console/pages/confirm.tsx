import { CsrfField, Layout, type PageFrame } from '../layout.js';

export interface Confirmation {
  readonly title: string;
  readonly message: string;
  readonly action: string;
  readonly confirmLabel: string;
  readonly cancelHref: string;
  readonly isDanger: boolean;
}

/**
 * A confirmation as its own page rather than a script-driven modal: it works without JavaScript,
 * the back button cancels, and keyboard focus starts on Cancel so pressing Enter twice by accident
 * cannot delete anything.
 */
export function ConfirmPage({ frame, confirmation }: { frame: PageFrame; confirmation: Confirmation }) {
  return (
    <Layout title={confirmation.title} frame={frame}>
      <div
        class="card confirm"
        role="alertdialog"
        aria-labelledby="confirm-title"
        aria-describedby="confirm-text"
      >
        <h1 id="confirm-title">{confirmation.title}</h1>
        <p id="confirm-text" data-testid="confirm-text">
          {confirmation.message}
        </p>
        <form method="post" action={confirmation.action} class="actions">
          <CsrfField frame={frame} />
          <a class="btn btn-secondary" href={confirmation.cancelHref} autofocus>
            Cancel
          </a>
          <button type="submit" class={`btn ${confirmation.isDanger ? 'btn-danger' : 'btn-primary'}`}>
            {confirmation.confirmLabel}
          </button>
        </form>
      </div>
    </Layout>
  );
}
