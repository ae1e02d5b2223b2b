import { injectable } from 'inversify';

/** The mail server refused the address for good; sending again cannot help. */
export class PermanentDeliveryError extends Error {
  override readonly name = 'PermanentDeliveryError';
}

/** A stand-in for an SMTP client. Addresses in the `.invalid` domain hard-bounce. */
@injectable()
export class Mailer {
  readonly sent: string[] = [];

  async send(to: string, subject: string, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (to.endsWith('.invalid')) throw new PermanentDeliveryError(`550 5.1.2 ${to}: domain not found`);
    this.sent.push(`${to}: ${subject}`);
  }
}
