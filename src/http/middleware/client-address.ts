/** The client's address, for middleware and the console (which may not import `http/context`). */
export { clientIp, type ClientAddressOptions } from '../context.js';
