import { redirect } from 'next/navigation';
import { currentViewer, type Viewer } from './session';

/** For pages behind sign-in: the viewer, or a redirect to sign in and come back. */
export async function requireViewer(returnTo: string): Promise<Viewer> {
  const viewer = await currentViewer();
  if (!viewer) redirect(`/sign-in?next=${encodeURIComponent(returnTo)}`);
  return viewer;
}

/** Pages for one kind of person say so plainly instead of failing on the first API call. */
export type Capability = 'approver' | 'security' | 'admin';

export function can(viewer: Viewer, capability: Capability): boolean {
  if (capability === 'admin') return viewer.isAdmin;
  if (capability === 'security') return viewer.isSecurity;
  return viewer.isApprover;
}
