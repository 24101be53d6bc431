import type { Metadata } from 'next';
import Link from 'next/link';
import { markAllNotificationsRead, markNotificationRead } from '../../actions/misc-actions';
import { ActionForm } from '../../components/forms/action-form';
import { Pager } from '../../components/pager';
import { EmptyState, PageHeader, StatusBadge } from '../../components/ui';
import { pageHref, parsePage } from '../../lib/paging';
import { describeNotification, formatDateTime } from '../../lib/format';
import { identity } from '../../server/backend';
import { listOf, notificationSchema } from '../../server/models';
import { requireViewer } from '../../server/require-viewer';
import { csrfToken } from '../../server/session';

export const metadata: Metadata = { title: 'Notifications' };

const PAGE_SIZE = 50;

export default async function NotificationsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireViewer('/notifications');
  const params = await searchParams;
  const page = parsePage(params.page);
  const [notifications, csrf] = await Promise.all([
    identity('/v1/notifications', listOf(notificationSchema), {
      query: { page, pageSize: PAGE_SIZE },
    }),
    csrfToken(),
  ]);
  const unread = notifications.unread ?? notifications.items.filter((n) => !n.readAt).length;
  return (
    <div className="container page">
      <PageHeader
        eyebrow="Inbox"
        title="Notifications"
        lead={unread === 0 ? 'You are all caught up.' : `${unread} unread.`}
        actions={
          unread > 0 ? (
            <ActionForm
              action={markAllNotificationsRead}
              csrf={csrf}
              submitLabel="Mark all as read"
              variant="secondary"
              className="inline-action"
              label="Mark all notifications as read"
            />
          ) : undefined
        }
      />
      {notifications.items.length === 0 ? (
        <EmptyState title="No notifications yet">
          <p>When an access request is decided or a credential changes, you hear it here.</p>
        </EmptyState>
      ) : (
        <ul className="plain-list" aria-label="Notifications">
          {notifications.items.map((notification) => {
            const { text, href } = describeNotification(notification.kind, notification.payload);
            return (
              <li key={notification.id} className={`card ${notification.readAt ? '' : 'unread'}`}>
                <p>
                  {!notification.readAt && <StatusBadge status="pending" label="New" />}{' '}
                  {href ? <Link href={href}>{text}</Link> : text}
                </p>
                <p className="card-meta">
                  <span>{formatDateTime(notification.createdAt)}</span>
                </p>
                {!notification.readAt && (
                  <ActionForm
                    action={markNotificationRead.bind(null, notification.id)}
                    csrf={csrf}
                    submitLabel="Mark as read"
                    variant="secondary"
                    className="inline-action"
                    label={`Mark as read: ${text}`}
                  />
                )}
              </li>
            );
          })}
        </ul>
      )}
      <Pager
        page={page}
        pageSize={notifications.pageSize ?? PAGE_SIZE}
        total={notifications.total ?? notifications.items.length}
        hrefFor={(target) => pageHref('/notifications', params, target)}
        label="Notification pages"
      />
    </div>
  );
}
