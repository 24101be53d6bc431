import type { Metadata, Viewport } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { SiteFooter } from '../components/site-footer';
import { SiteHeader } from '../components/site-header';
import './globals.css';

export const metadata: Metadata = {
  title: {
    default: 'Portcullis — machine-to-machine API access',
    template: '%s · Portcullis',
  },
  description:
    'Self-hosted developer portal, OAuth2 server, gateway and audit trail for machine-to-machine APIs.',
  applicationName: 'Portcullis',
};

export const viewport: Viewport = {
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#ffffff' },
    { media: '(prefers-color-scheme: dark)', color: '#0f141a' },
  ],
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Render per request: each response needs its own CSP nonce (see src/proxy.ts).
  await connection();
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to main content
        </a>
        <SiteHeader />
        <main id="main" tabIndex={-1}>
          {children}
        </main>
        <SiteFooter />
      </body>
    </html>
  );
}
