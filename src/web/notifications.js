// The seam for Web Push (issue 8, point 4, built separately): this control asks for the
// browser's permission; subscribing with the server's VAPID key is added there.

export function enableNotificationsControl() {
  const status = document.createElement('p');
  status.className = 'meta';
  status.setAttribute('role', 'status');
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Enable notifications';
  const supported =
    'Notification' in window && 'serviceWorker' in navigator && 'PushManager' in window;
  const show = () => {
    if (!supported) {
      button.disabled = true;
      status.textContent =
        'This browser cannot show notifications here (on iPhone: add the app to the Home Screen first).';
    } else if (Notification.permission === 'granted') {
      button.disabled = true;
      status.textContent = 'Notifications are allowed on this device.';
    } else if (Notification.permission === 'denied') {
      button.disabled = true;
      status.textContent = 'Notifications are blocked in the browser settings.';
    }
  };
  button.addEventListener('click', async () => {
    await Notification.requestPermission();
    show();
  });
  show();
  const box = document.createElement('div');
  box.className = 'notifications';
  box.append(button, status);
  return box;
}
