import { AppError } from '../shared/errors.js';

/** Page numbers beyond this are not a real request; refusing them keeps OFFSET bounded. */
const MAX_PAGE = 100_000;

/** `?page=`: absent means 1; anything but a whole number from 1 is a 400 with a readable message. */
export function parsePage(value: string | undefined): number {
  if (value === undefined || value === '') return 1;
  const page = /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(page) || page < 1 || page > MAX_PAGE) {
    throw new AppError('guard.invalid_input', {
      message: `The page number must be a whole number from 1 to ${MAX_PAGE.toLocaleString('en-US')}.`,
    });
  }
  return page;
}
