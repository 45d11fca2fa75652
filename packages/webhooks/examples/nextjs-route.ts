// app/api/idhooks/route.ts — a Next.js (App Router) route handler that receives idhooks webhooks.
// Set IDHOOKS_SIGNING_KEY to the hook's signing key (the hooks API's `signingKey`, or its `whsec_…` form).
import { verifyWebhook, WebhookVerificationError } from '@idhooks/webhooks';

// Node's crypto verifies the signature, so this route runs on the Node.js runtime.
export const runtime = 'nodejs';

export async function POST(request: Request): Promise<Response> {
  // The exact text received: a re-serialised JSON object would not match the signature.
  const body = await request.text();
  let event;
  try {
    event = verifyWebhook(body, request.headers, process.env.IDHOOKS_SIGNING_KEY ?? '');
  } catch (error) {
    if (error instanceof WebhookVerificationError) {
      return Response.json({ code: error.code, message: error.message }, { status: error.status });
    }
    throw error;
  }

  switch (event.event) {
    case 'User.Created':
      // `event.data` is typed: the new user.
      console.log('new user', event.data.id, event.data.primaryEmail);
      break;
    case 'PostSignIn':
      console.log('sign-in', event.userId, event.application?.name);
      break;
    default:
      break;
  }
  // Any 2xx tells idhooks the delivery succeeded; de-duplicate on the `webhook-id` header.
  return new Response(null, { status: 204 });
}
