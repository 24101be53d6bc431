import type { Metadata } from 'next';
import { ComingSoon } from '../../components/coming-soon';

export const metadata: Metadata = { title: 'API catalog' };

export default function CatalogPage() {
  return (
    <ComingSoon title="API catalog">
      <p>
        The catalog will list every API published behind the gateway, with its plans, scopes and
        environments, and how access to it is approved.
      </p>
    </ComingSoon>
  );
}
